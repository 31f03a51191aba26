"""The whole media path with a bucket as storage: moto's S3 server on this machine stands in
for MinIO or AWS. Entities point at MYNA_MEDIA_PUBLIC_URL; deletion empties the bucket."""

from pathlib import Path

import httpx
import pytest

from myna.config import Settings
from tests import pictures
from tests.api.test_media import uploaded
from tests.api.test_timelines import post
from tests.backends.test_storage import BUCKET, CREDENTIALS, bucket, s3_client, s3_endpoint
from tests.conftest import MakeUser

__all__ = ["bucket", "s3_endpoint"]  # fixtures shared with tests/backends/test_storage.py

PUBLIC = "https://cdn.example.test/myna"


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


def keys_in_bucket(endpoint: str) -> list[str]:
    listing = s3_client(endpoint).list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


async def test_upload_post_and_delete_through_a_bucket(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, s3_endpoint: str
) -> None:
    alice = await make_user("alice")
    media = await uploaded(client, alice, pictures.jpeg_with_gps())
    key = media["url"].removeprefix(PUBLIC + "/")
    preview_key = media["preview_url"].removeprefix(PUBLIC + "/")
    assert media["url"].startswith(PUBLIC + "/") and key != media["url"]
    assert keys_in_bucket(s3_endpoint) == sorted([key, preview_key])
    stored = s3_client(s3_endpoint).get_object(Bucket=BUCKET, Key=key)
    assert stored["ContentType"] == "image/jpeg"
    assert stored["CacheControl"] == "public, max-age=31536000, immutable"
    assert b"SpyCam" not in stored["Body"].read()
    assert not Path(settings.media_dir).exists()  # nothing went to the directory
    # The app does not serve bucket files itself: its own address for one leads to the bucket.
    r = await client.get(f"/system/media/{key}")
    assert r.status_code == 302
    assert r.headers["location"] == media["url"]
    r = await client.get("/system/media/../../etc/passwd")
    assert r.status_code == 404

    status = await post(client, alice, "from the bucket", media_ids=[media["id"]])
    assert status["media_attachments"][0]["url"] == media["url"]
    r = await client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert keys_in_bucket(s3_endpoint) == []
