"""An archive with a bucket as storage (moto's S3 server stands in): the pictures are read from
the bucket into the zip, the zip is stored under `archives/` with private caching, downloaded
through the API only, and deleted with its row."""

import io
import zipfile

import httpx
import pytest

from myna.config import Settings
from myna.container import Container
from tests import pictures
from tests.api.test_archive import ARCHIVE, finish_jobs, post
from tests.api.test_media import uploaded
from tests.api.test_media_s3 import PUBLIC, keys_in_bucket
from tests.backends.test_storage import BUCKET, CREDENTIALS, bucket, s3_client, s3_endpoint
from tests.conftest import MakeUser

__all__ = ["bucket", "s3_endpoint"]  # fixtures shared with tests/backends/test_storage.py


@pytest.fixture
def settings(settings: Settings, s3_endpoint: str, bucket: str) -> Settings:
    return settings.model_copy(
        update={
            "media_s3_bucket": bucket,
            "media_s3_endpoint_url": s3_endpoint,
            "media_s3_region": CREDENTIALS["region"],
            "media_s3_access_key": CREDENTIALS["access_key"],
            "media_s3_secret_key": CREDENTIALS["secret_key"],
            "media_public_url": PUBLIC,
        }
    )


async def test_an_archive_in_a_bucket(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, s3_endpoint: str
) -> None:
    alice = await make_user("alice")
    media = await uploaded(client, alice, pictures.png())
    key = media["url"].removeprefix(PUBLIC + "/")
    await post(client, alice, "from the bucket", media_ids=[media["id"]])

    await client.post(ARCHIVE, headers=alice.headers)
    await finish_jobs(container)
    (stored,) = [k for k in keys_in_bucket(s3_endpoint) if k.startswith("archives/")]
    head = s3_client(s3_endpoint).head_object(Bucket=BUCKET, Key=stored)
    assert head["ContentType"] == "application/zip"
    assert head["CacheControl"] == "private, no-store"
    archive = (await client.get(ARCHIVE, headers=alice.headers)).json()
    assert archive["state"] == "done" and PUBLIC not in archive["download_url"]

    r = await client.get(f"{ARCHIVE}/download", headers=alice.headers)
    assert r.status_code == 200 and len(r.content) == archive["size"]
    zipped = zipfile.ZipFile(io.BytesIO(r.content))
    bucket_copy = s3_client(s3_endpoint).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert zipped.read(f"media_attachments/files/{key}") == bucket_copy

    # A new archive replaces the old one in the bucket too.
    await client.post(ARCHIVE, headers=alice.headers)
    await finish_jobs(container)
    archives = [k for k in keys_in_bucket(s3_endpoint) if k.startswith("archives/")]
    assert len(archives) == 1 and archives != [stored]
