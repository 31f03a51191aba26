"""Storage backends: a directory (atomic writes, only our key names) and an S3-compatible
bucket, the latter against moto's S3 server running on this machine."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from myna.backends.storage import (
    CACHE_CONTROL,
    DirectoryStorage,
    S3Storage,
    content_type_of,
    new_keys,
)

BUCKET = "myna-media"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=CREDENTIALS["region"],
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> Iterator[str]:
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield BUCKET
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_keys_are_random_and_only_ours_have_a_type() -> None:
    file_key, preview_key = new_keys("jpg")
    assert file_key != new_keys("jpg")[0]
    assert preview_key == file_key.replace(".jpg", "-small.jpg")
    assert content_type_of(file_key) == "image/jpeg"
    assert content_type_of(preview_key) == "image/jpeg"
    for foreign in ("../x.jpg", "/etc/passwd", "ab/cd/x.jpg", file_key + "/..", file_key[:-3]):
        assert content_type_of(foreign) is None


async def test_directory_writes_atomically_and_deletes(tmp_path: Path) -> None:
    storage = DirectoryStorage(tmp_path / "media", "https://example.test/")
    key, preview = new_keys("png")
    await storage.put(key, b"picture", "image/png")
    await storage.put(preview, b"small", "image/png")
    path = storage.path_of(key)
    assert path is not None and path.read_bytes() == b"picture"
    assert storage.url(key) == f"https://example.test/system/media/{key}"
    # Only the two files: no temporary file is left behind.
    assert sorted(p.name for p in (tmp_path / "media").rglob("*") if p.is_file()) == sorted(
        [Path(key).name, Path(preview).name]
    )
    await storage.delete([key, preview, key])  # deleting twice is fine
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []


async def test_directory_refuses_names_it_did_not_make(tmp_path: Path) -> None:
    storage = DirectoryStorage(tmp_path / "media", "https://example.test")
    for key in ("../outside.png", "ab/cd/../../../outside.png", "/tmp/x.png", "notes.txt"):
        assert storage.path_of(key) is None
        with pytest.raises(ValueError):
            await storage.put(key, b"x", "image/png")
    assert not (tmp_path / "outside.png").exists()


async def test_s3_put_sets_type_and_cache_then_delete(s3_endpoint: str, bucket: str) -> None:
    storage = S3Storage(
        bucket,
        public_url="https://cdn.example.test/media/",
        endpoint_url=s3_endpoint,
        **CREDENTIALS,
    )
    key, preview = new_keys("webp")
    await storage.put(key, b"RIFF....WEBP", "image/webp")
    await storage.put(preview, b"small", "image/webp")
    client = s3_client(s3_endpoint)
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"] == CACHE_CONTROL
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"RIFF....WEBP"
    assert storage.url(key) == f"https://cdn.example.test/media/{key}"

    await storage.delete([key, preview])
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_s3_url_without_public_url_is_path_style_on_the_endpoint(s3_endpoint: str) -> None:
    storage = S3Storage(BUCKET, endpoint_url=s3_endpoint + "/", **CREDENTIALS)
    assert storage.url("ab/cd/x.png") == f"{s3_endpoint}/{BUCKET}/ab/cd/x.png"
