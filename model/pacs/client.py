"""The one door to the PACS over DICOMweb: searches (QIDO-RS, through dicomweb-client), instances and thumbnails
(WADO-RS, as bounded raw bytes) and storing results (STOW-RS).

Every answer is bounded before it is read whole (config.DICOMWEB_MAX_*; an instance like an upload), every GET is
retried on a failed connection or a 502-504 with backoff (urllib3's Retry), every wait has a timeout, and every
fault becomes a PacsError sentence that names the PACS by address and user, never its password. Nothing here
parses pixel data: instances leave as bytes for the sandboxed decoder.
"""

from __future__ import annotations

import json

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from model import config
from model.pacs.multipart import first_part
from model.pacs.settings import PacsError, PacsSettings
from model.pacs.values import InstanceRef, SeriesSummary, StudyQuery, StudySummary
from model.pacs.values import dicom_json_value as _value

_DICOM_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*'


def _count(item: dict, tag: str) -> int:
    """A count attribute (number of instances): 0 where absent or not a number."""
    text = _value(item, tag)
    return int(text) if text.isdigit() else 0


class _BoundedSession(requests.Session):
    """A session whose every request has a timeout and whose answers are read at most `limit` bytes."""

    def __init__(self, settings: PacsSettings) -> None:
        super().__init__()
        if settings.user or settings.password:
            self.auth = (settings.user, settings.password)
        retry = Retry(
            total=config.DICOMWEB_RETRIES,
            backoff_factor=config.DICOMWEB_BACKOFF_S,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=config.DICOMWEB_FETCH_CONCURRENCY * 2)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.limit = config.DICOMWEB_MAX_JSON_BYTES

    def request(self, method, url, **kwargs):  # noqa: ANN001 - requests' own signature
        if kwargs.get("timeout") is None:  # dicomweb-client passes None: every wait here has an end
            kwargs["timeout"] = config.DICOMWEB_TIMEOUT_S
        kwargs["stream"] = True
        response = super().request(method, url, **kwargs)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.limit:
            response.close()
            raise PacsError(
                f"The PACS answered with {int(declared):,} bytes, more than the {self.limit:,} allowed.", True
            )
        body = bytearray()
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > self.limit:
                response.close()
                raise PacsError(f"The PACS answered with more than the {self.limit:,} bytes allowed.", True)
        response._content = bytes(body)  # read once, bounded; requests' accessors read it from here
        return response


class PacsClient:
    """Search, fetch and store on one PACS (see the module's docstring)."""

    def __init__(self, settings: PacsSettings) -> None:
        from dicomweb_client.api import DICOMwebClient

        self.settings = settings
        self.session = _BoundedSession(settings)
        self._web = DICOMwebClient(settings.url, session=self.session, timeout=config.DICOMWEB_TIMEOUT_S)
        self._web.set_http_retry_params(retry=False)  # one retry policy (the session's), not two multiplied

    # --- faults ---
    def _fail(self, error: BaseException, what: str) -> PacsError:
        where = self.settings.where
        if isinstance(error, PacsError):
            return PacsError(self.settings.redact(f"{what}: {error}"), error.about_instance)
        status = getattr(getattr(error, "response", None), "status_code", None)
        if status in (401, 403):
            return PacsError(f"{where} refused the sign-in ({status}): check the user and password.")
        if status == 404:
            return PacsError(f"{what}: {where} does not have it (404); it may have been deleted a moment ago.", True)
        if status is not None:
            return PacsError(f"{what}: {where} answered HTTP {status}.")
        if isinstance(error, requests.Timeout) or "timed out" in str(error).lower():
            return PacsError(f"{what}: {where} did not answer in time; try again, or later if it is busy.")
        if isinstance(error, requests.ConnectionError):
            return PacsError(f"Cannot reach {where}: is it running and the address right?")
        if isinstance(error, ValueError | json.JSONDecodeError):
            return PacsError(f"{what}: {where} did not answer with DICOM JSON (an HTML page or a proxy's message?).")
        return PacsError(f"{what}: {where} failed ({type(error).__name__}).")

    def _search(self, what: str, call, *args, **kwargs) -> list[dict]:
        try:
            found = call(*args, **kwargs)
        except Exception as error:  # every fault of the PACS or the network, as a sentence
            raise self._fail(error, what) from None
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise PacsError(f"{what}: {self.settings.where} did not answer with a list of DICOM JSON objects.")
        return found

    # --- searches ---
    def check(self) -> None:
        """One small search, so a wrong address or password is said once, at the start."""
        self._search("Signing in", self._web.search_for_studies, limit=1)

    def studies(self, query: StudyQuery, limit: int = config.DICOMWEB_SEARCH_LIMIT) -> list[StudySummary]:
        fields = ["StudyDescription", "ModalitiesInStudy", "NumberOfStudyRelatedInstances", "PatientName"]
        found = self._search(
            "Searching studies",
            self._web.search_for_studies,
            search_filters=query.filters(),
            fields=fields,
            limit=limit,
        )
        return [
            StudySummary(
                _value(s, "0020000D"),
                _value(s, "00080020"),
                _value(s, "00080061"),
                _value(s, "00081030"),
                _value(s, "00080050"),
                _value(s, "00100020"),
                _value(s, "00100010"),
                _count(s, "00201208"),
            )
            for s in found
            if _value(s, "0020000D")
        ]

    def series(self, study_uid: str) -> list[SeriesSummary]:
        found = self._search(
            "Listing series",
            self._web.search_for_series,
            study_uid,
            fields=["SeriesDescription", "NumberOfSeriesRelatedInstances"],
        )
        return [
            SeriesSummary(
                study_uid,
                _value(s, "0020000E"),
                _value(s, "00080060"),
                _value(s, "0008103E"),
                _value(s, "00200011"),
                _count(s, "00201209"),
            )
            for s in found
            if _value(s, "0020000E")
        ]

    def instances(self, study_uid: str, series_uid: str | None = None) -> list[InstanceRef]:
        found = self._search(
            "Listing instances",
            self._web.search_for_instances,
            study_uid,
            series_uid,
            fields=["SOPClassUID", "InstanceNumber", "Modality"],
        )
        return [
            InstanceRef(
                study_uid,
                _value(i, "0020000E") or (series_uid or ""),
                _value(i, "00080018"),
                _value(i, "00080016"),
                _value(i, "00200013"),
                _value(i, "00080060"),
            )
            for i in found
            if _value(i, "00080018")
        ]

    def study_uids_since(self, since: str = "", limit: int = 10_000) -> list[str]:
        """Every study (dated `since` YYYYMMDD or later), for an audit of the whole PACS."""
        filters = {"StudyDate": f"{since}-"} if since else {}
        found = self._search("Searching studies", self._web.search_for_studies, search_filters=filters, limit=limit)
        return [uid for s in found if (uid := _value(s, "0020000D"))]

    # --- instances ---
    def _get(self, url: str, accept: str, limit: int, what: str) -> requests.Response:
        self.session.limit = limit
        try:
            response = self.session.get(url, headers={"Accept": accept})
            response.raise_for_status()
            return response
        except Exception as error:
            raise self._fail(error, what) from None
        finally:
            self.session.limit = config.DICOMWEB_MAX_JSON_BYTES

    def retrieve(self, ref: InstanceRef) -> bytes:
        """The instance's DICOM file bytes (bounded like an upload), unparsed."""
        url = f"{self.settings.url}/studies/{ref.study_uid}/series/{ref.series_uid}/instances/{ref.sop_uid}"
        what = f"Fetching instance {ref.sop_uid[-24:]}"
        response = self._get(url, _DICOM_ACCEPT, config.MAX_UPLOAD_BYTES + 64 * 1024, what)
        try:
            return first_part(response.content, response.headers.get("Content-Type", ""), config.MAX_UPLOAD_BYTES)
        except ValueError as error:
            raise PacsError(f"{what}: {error}", about_instance=True) from None

    def thumbnail(self, ref: InstanceRef) -> bytes:
        """A small PNG the PACS renders (its own window), for pickers; never decoded here."""
        side = config.DICOMWEB_THUMBNAIL_PX
        url = (
            f"{self.settings.url}/studies/{ref.study_uid}/series/{ref.series_uid}/instances/{ref.sop_uid}"
            f"/rendered?viewport={side},{side}"
        )
        response = self._get(url, "image/png", config.DICOMWEB_MAX_THUMBNAIL_BYTES, "Fetching a thumbnail")
        if not response.content.startswith(b"\x89PNG\r\n\x1a\n"):
            raise PacsError(f"{self.settings.where} did not render this instance as a picture.")
        return response.content

    def metadata(self, ref: InstanceRef):
        """The instance's attributes as a pydicom Dataset built from its DICOM JSON (bulk data left out): what a
        result needs to join the study, without parsing the file itself."""
        from pydicom import Dataset

        try:
            found = self._web.retrieve_instance_metadata(ref.study_uid, ref.series_uid, ref.sop_uid)
            item = found[0] if isinstance(found, list) else found
            return Dataset.from_json(item, bulk_data_uri_handler=lambda *_args: b"")
        except Exception as error:
            raise self._fail(error, "Reading an instance's attributes") from None

    def has_instance(self, study_uid: str, sop_uid: str) -> bool:
        found = self._search(
            "Looking for a result",
            self._web.search_for_instances,
            study_uid,
            search_filters={"SOPInstanceUID": sop_uid},
        )
        return any(_value(i, "00080018") == sop_uid for i in found)

    def store(self, datasets: list) -> None:
        """STOW-RS the datasets into their study (each with its 128-byte preamble, as Orthanc 1.10 needs)."""
        for dataset in datasets:
            dataset.preamble = b"\x00" * 128
        try:
            self._web.store_instances(datasets)
        except Exception as error:
            raise self._fail(error, "Storing results") from None
