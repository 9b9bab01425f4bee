"""Run in a sidecar from the Airflow 2 image (which has boto3): keep a DAG folder equal to an S3 bucket prefix.

``python bucket_sync.py BUCKET PREFIX FOLDER SECONDS`` lists ``s3://BUCKET/PREFIX/`` every SECONDS, downloads
every object whose ETag changed (into a temporary file, then renamed over the old one, so a parse sees the
old file or the new one, never half of one) and deletes the files the bucket no longer has: what a CI job's
``aws s3 sync --delete`` in a loop, or a cron job, does for Airflow 2, which has no S3 DAG bundle. The S3
endpoint is ``AWS_ENDPOINT_URL_S3`` (the environment's moto server). Prints ``synced ...`` after the first
pass and after every pass that changed something; a failed first pass exits 1, later failures are retried.
"""

import os
import sys
import time

import boto3

bucket, prefix, root, interval = sys.argv[1], sys.argv[2].strip("/") + "/", sys.argv[3], float(sys.argv[4])
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"])


def in_bucket() -> dict[str, str]:
    """Relative path -> ETag of every object under the prefix."""
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            relative = obj["Key"][len(prefix) :]
            if relative and not relative.endswith("/"):
                objects[relative] = obj["ETag"]
    return objects


def on_disk() -> dict[str, str | None]:
    """What the folder holds at start (ETag unknown: downloaded again, or deleted if the bucket lacks it)."""
    return {
        os.path.relpath(os.path.join(folder, name), root): None for folder, _, names in os.walk(root) for name in names
    }


def sync(have: dict) -> tuple[dict[str, str], list[str], list[str]]:
    want, downloaded, deleted = in_bucket(), [], []
    for relative, etag in sorted(want.items()):
        if have.get(relative) != etag:
            path = os.path.join(root, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            partial = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.part")
            s3.download_file(bucket, prefix + relative, partial)
            os.replace(partial, path)
            downloaded.append(relative)
    for relative in sorted(set(have) - set(want)):
        try:
            os.remove(os.path.join(root, relative))
        except FileNotFoundError:
            pass
        deleted.append(relative)
    for folder, _, _ in sorted(os.walk(root), reverse=True):  # folders left empty by deletions
        if folder != root and not os.listdir(folder):
            os.rmdir(folder)
    return want, downloaded, deleted


have: dict[str, str | None] = on_disk()
first = True
while True:
    try:
        synced, downloaded, deleted = sync(have)
        have = dict(synced)
        if first or downloaded or deleted:
            print(
                f"synced s3://{bucket}/{prefix}: {len(have)} file(s); downloaded: {', '.join(downloaded) or '-'};"
                f" deleted: {', '.join(deleted) or '-'}"
            )
        first = False
    except Exception as exc:  # moto restarting, a network blip: like git-sync, try again next time
        if first:
            print(f"first sync of s3://{bucket}/{prefix} failed: {exc}", file=sys.stderr)
            sys.exit(1)
        print(f"sync failed, retrying in {interval:g} s: {exc}", file=sys.stderr)
    sys.stdout.flush()
    time.sleep(interval)
