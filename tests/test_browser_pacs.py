"""Explain opens a film from a real Orthanc in Chromium, and writes its results back into the study (screenshots in
artifacts/screenshots/)."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, screenshot_path, streamlit_server
from model import config
from model.pacs.client import PacsClient
from model.pacs.demo import film_as_dicom
from model.pacs.local_orthanc import local_orthanc, orthanc_missing
from model.pacs.settings import PacsSettings
from model.pacs.values import StudyQuery
from tests.conftest import requires_shipped_model
from tests.test_readings_cli import NIH, requires_nih_boxes

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed (scripts/dev.sh test installs it)"),
    pytest.mark.skipif(orthanc_missing() is not None, reason=orthanc_missing() or ""),
    requires_nih_boxes,
    requires_shipped_model,
]
WAIT_MS = 240_000
SETTLED = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def _settle(page, ms: int = 800) -> None:
    page.wait_for_function(SETTLED, timeout=WAIT_MS, polling=100)
    page.wait_for_timeout(ms)


def test_explain_opens_a_film_from_the_pacs_and_writes_its_results_back(tmp_path):
    from PIL import Image
    from playwright.sync_api import sync_playwright

    film = sorted((NIH / "pneumonia").glob("*.png"))[0]
    with local_orthanc(tmp_path / "orthanc") as pacs:
        client = PacsClient(PacsSettings(pacs.url, pacs.user, pacs.password))
        client.store([film_as_dicom(np.asarray(Image.open(film).convert("L")), film.name, "BROWSER1")])
        password_file = tmp_path / "password"
        password_file.write_text(pacs.password)
        env = {
            config.DICOMWEB_URL_ENV: pacs.url,
            config.DICOMWEB_USER_ENV: pacs.user,
            config.DICOMWEB_PASSWORD_FILE_ENV: str(password_file),
        }
        with streamlit_server(env=env) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(server.url)
            page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
            page.locator('[data-testid="stSidebar"]').get_by_text("PACS", exact=True).click()
            _settle(page)
            page.get_by_role("textbox", name="Accession number").fill("BROWSER1")
            page.get_by_role("button", name="Search the PACS").click()
            _settle(page)
            page.get_by_role("combobox", name="Study").click()
            page.get_by_role("option").filter(has_text="BROWSER1").first.click()
            _settle(page, 1500)
            page.screenshot(path=str(screenshot_path("pacs_picker")))
            page.locator('[data-testid="stButton"] button').filter(has_text="Open").first.click()  # not the images' own
            answered = page.get_by_text("Prediction:").or_(page.get_by_role("button", name="Explain anyway"))
            answered.first.wait_for(timeout=WAIT_MS)
            page.screenshot(path=str(screenshot_path("pacs_opened")))
            assert page.get_by_role("button", name="Explain anyway").count() == 0, "a real chest film is answered"
            _settle(page, 2000)
            page.screenshot(path=str(screenshot_path("pacs_explain")))
            assert page.get_by_text("Traceback").count() == 0
            assert pacs.password not in page.content()
            button = page.get_by_role("button", name="Write results to the PACS")
            button.scroll_into_view_if_needed()
            button.click()
            page.get_by_text("Stored 2 objects in the study").wait_for(timeout=WAIT_MS)
            browser.close()
        study = client.studies(StudyQuery(accession="BROWSER1"))[0].study_uid
        classes = {i.sop_class for i in client.instances(study)}
        assert {"1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.7"} <= classes
