"""The Bulk Data simulator's storage host, standing in for S3: presigned upload
fields signed with a local fake key, public routes that check the signature, and a
refusal of any request carrying ``Authorization`` (a client leaking its Zuora token
to the storage host fails)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from typing import ClassVar

from jobadapter_zuora_common.simulator import ZuoraSimulatorBase
from werkzeug.wrappers import Request, Response

from jobadapter_zuora_bulk.sim_bulk_jobs import BulkDataJob
from jobadapter_zuora_bulk.sim_data import BadFile, read_table

BUCKET = "jobadapter-sandbox-uploads"
#: Signs the simulator's presigned fields; a local fake, like everything the sandbox hands out.
_SIGNING_KEY = b"jobadapter-sandbox-signing-key"


class StorageHost(ZuoraSimulatorBase):
    """The storage routes (``/storage/...``) over the Bulk Data jobs' uploads and files."""

    public_endpoints: ClassVar[frozenset[str]] = ZuoraSimulatorBase.public_endpoints | {
        "storage_upload",
        "storage_file",
    }
    bulk_jobs: dict[str, BulkDataJob]
    #: file id -> (bytes, mimetype) of every file a job's downloads point at.
    storage: dict[str, tuple[bytes, str]]
    _bulk_lock: threading.RLock

    def _sign(self, text: str) -> str:
        return hmac.new(_SIGNING_KEY, text.encode(), hashlib.sha256).hexdigest()

    def _upload_fields(self, key: str) -> dict[str, str]:
        policy = base64.b64encode(f'{{"bucket":"{BUCKET}","key":"{key}"}}'.encode()).decode()
        return {
            "key": key,
            "bucket": BUCKET,
            "x-amz-algorithm": "AWS4-HMAC-SHA256",
            "x-amz-credential": "SANDBOXACCESSKEY/20240101/us-west-2/s3/aws4_request",
            "x-amz-date": "20240101T000000Z",
            "Policy": policy,
            "x-amz-signature": self._sign(key),
            "x-amz-security-token": "sandbox-session-token",
        }

    def _store(self, job: BulkDataJob, name: str, data: bytes, mimetype: str) -> str:
        if name not in job.files:
            file_id = self.new_hex(32)
            self.storage[file_id] = (data, mimetype)
            job.files[name] = file_id
        file_id = job.files[name]
        return self.url(f"/storage/files/{file_id}?X-Amz-Signature={self._sign(file_id)}")

    def _storage_error(self, status: int, code: str, message: str) -> Response:
        xml = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        return Response(xml, status=status, mimetype="application/xml")

    def on_storage_upload(self, request: Request) -> Response:
        if "Authorization" in request.headers:
            return self._storage_error(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; a presigned POST must not carry Authorization",
            )
        form = request.form
        key = form.get("key", "")
        with self._bulk_lock:
            job = next((j for j in self.bulk_jobs.values() if j.upload_key == key), None)
        if job is None:
            return self._storage_error(403, "AccessDenied", "Unknown upload key")
        expected = self._upload_fields(key)
        if {k: form.get(k) for k in expected} != expected:
            return self._storage_error(403, "AccessDenied", "Form fields do not match the policy")
        upload = request.files.get("file")
        if upload is None:
            return self._storage_error(400, "InvalidArgument", "POST requires a 'file' field")
        data = upload.read()
        kind = job.body.get("fileType", "csv")
        with self._bulk_lock:
            job.upload = data
            job.uploaded_at = self.clock.now()
            try:
                job.table = read_table(data, kind)
                job.bad_file = None
            except BadFile as exc:
                job.table = None
                job.bad_file = f"Cannot read the file: {exc}"
        return Response(status=204)

    def on_storage_file(self, request: Request, file_id: str) -> Response:
        if "Authorization" in request.headers:
            return self._storage_error(
                400, "InvalidArgument", "Only one auth mechanism allowed (presigned URL)"
            )
        if request.args.get("X-Amz-Signature") != self._sign(file_id):
            return self._storage_error(403, "AccessDenied", "Bad or missing signature")
        with self._bulk_lock:
            stored = self.storage.get(file_id)
        if stored is None:
            return self._storage_error(404, "NoSuchKey", "The specified key does not exist")
        data, mimetype = stored
        return Response(data, mimetype=mimetype)
