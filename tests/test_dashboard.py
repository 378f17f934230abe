"""Every page through Streamlit's AppTest: it runs, its widgets drive it, and it shows what it should."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from model import config
from tests.conftest import png_bytes, requires_real_data, requires_shipped_model, synthetic_radiograph

APP = str(config.REPO_ROOT / "dashboard" / "app.py")
PAGES = [
    "views/explain.py",
    "views/dataset.py",
    "views/evaluation.py",
    "views/explanation_quality.py",
    "views/compare_models.py",
    "views/teaching.py",
    "views/about.py",
    "views/archive.py",
    "views/reader_study.py",
    "views/readers.py",
]
TIMEOUT = 180


def fresh_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def xray_png() -> bytes:
    return png_bytes(np.round(synthetic_radiograph(300, 260) * 255).astype(np.uint8))


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    """Upload as a user does; if the chest-X-ray gate stops a synthetic film, press "Explain anyway" like a teacher."""
    at.file_uploader(key="upload").upload(name, data, mime).run()
    anyway = [b for b in at.button if b.key and b.key.startswith("anyway_")]
    if anyway:
        anyway[0].click().run()
    return at


def viewer_data(at: AppTest) -> dict:
    """What the page handed the film viewer on its last run (its panes, titles, heatmaps, overlays)."""
    import json

    viewers = [e for e in at.get("bidi_component") if e.proto.component_name == "cxr_film_viewer"]
    assert viewers, "the film viewer is on the page"
    return json.loads(viewers[-1].proto.json)


def texts(at: AppTest) -> str:
    boxes = [*at.success, *at.warning, *at.error, *at.info]
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [b.value for b in boxes])


@requires_shipped_model
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(page):
    at = fresh_app().run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


@requires_shipped_model
def test_upload_shows_prediction_probabilities_and_heatmap():
    at = fresh_app().run()
    upload(at, "chest.png", xray_png())
    assert not at.exception, [e.value for e in at.exception]
    headline = [m.value for m in at.markdown if m.value.startswith("#### Prediction:")]
    assert headline and any(name in headline[0] for name in config.CLASS_NAMES)
    panes = viewer_data(at)["panes"]
    assert [p["key"] for p in panes] == ["film", "heat"] and panes[1]["heat"], "the film and its heatmap, linked"
    assert len(at.get("plotly_chart")) >= 1, "the probability chart"
    assert "random map" in texts(at), "the faithfulness verdict is shown"
    abnormal = [m for m in at.metric if m.label == "Abnormal (any disease)"]
    assert abnormal and abnormal[0].value.endswith("%"), "the abnormality head's answer beside the class"
    assert "hospitals never seen in training" in texts(at), "with its figure on other hospitals"


@requires_shipped_model
@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("notes.png", b"hello, I am not an image" * 20, "not an image"),
        ("empty.png", b"", "empty"),
        ("icon.png", png_bytes(np.zeros((16, 16), dtype=np.uint8)), "too small"),
    ],
)
def test_bad_upload_gives_a_specific_error_and_the_app_keeps_working(name, data, words):
    at = fresh_app().run()
    at.file_uploader(key="upload").upload(name, data, "image/png").run()
    assert not at.exception
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    # The next, good upload works in the same session.
    upload(at, "chest.png", xray_png())
    assert not at.exception
    assert any(m.value.startswith("#### Prediction:") for m in at.markdown)


@requires_shipped_model
def test_16bit_and_rgba_uploads_are_accepted():
    gray = synthetic_radiograph(300, 260)
    rgba = np.dstack([np.round(gray * 255).astype(np.uint8)] * 3 + [np.full(gray.shape, 255, np.uint8)])
    for name, data in (
        ("x16.png", png_bytes(np.round(gray * 65535).astype(np.uint16))),
        ("rgba.png", png_bytes(rgba, "RGBA")),
    ):
        at = fresh_app().run()
        upload(at, name, data)
        refused = [e.value for e in at.error if "could not be used" in e.value]
        assert not at.exception and not refused, refused
        assert any(m.value.startswith("#### Prediction:") for m in at.markdown)


@requires_shipped_model
def test_method_and_target_selection_change_the_map():
    at = fresh_app().run()
    upload(at, "chest.png", xray_png())
    at.selectbox(key="method").set_value("gradcam++").run()
    at.selectbox(key="target").set_value("Pneumonia").run()
    assert not at.exception
    titles = [pane["title"] for pane in viewer_data(at)["panes"]]
    assert any(title.startswith("Grad-CAM++ for Pneumonia") for title in titles), titles


@requires_shipped_model
def test_compare_view_shows_every_method():
    at = fresh_app().run()
    upload(at, "chest.png", xray_png())
    at.toggle(key="compare").set_value(True).run()
    assert not at.exception
    captions = texts(at)
    assert "The methods" in captions, "whether the methods agree"
    from model.explain import METHODS

    count = len(METHODS)  # every method the shipped Keras model can run
    assert f"Where at least {count // 2 + 1} of the {count} methods" in captions, "the region they agree on is drawn"
    grouped = [c.value for c in at.caption if c.value.startswith("**") and "** — " in c.value]
    sentences = [c.split("** — ", 1)[1] for c in grouped]
    assert len(sentences) == len(set(sentences)), "each sentence is worded once, with the methods it applies to"
    named = " ".join(c.split("** — ", 1)[0] for c in grouped)
    for label in ("Grad-CAM", "Grad-CAM++", "LayerCAM", "Score-CAM", "SmoothGrad"):
        assert label in named, f"{label} is judged"
    assert any("random one" in s for s in sentences), "how the maps fare against a random map"


@requires_real_data
@requires_shipped_model
def test_dataset_pick_shows_prediction_and_heatmap():
    at = fresh_app().run()
    at.radio(key="explain_source").set_value("Dataset").run()
    at.selectbox(key="ds_label").set_value("Pneumonia").run()
    assert not at.exception
    assert any(m.value.startswith("#### Prediction:") for m in at.markdown)
    assert viewer_data(at)["panes"][1]["heat"], "the heatmap is in the viewer"


@requires_real_data
@requires_shipped_model
def test_teaching_mode_reveals_and_scores():
    at = fresh_app().run()
    at.switch_page("views/teaching.py").run()
    at.button(key="guess_Normal").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Truth:" in shown and "Model said:" in shown
    assert "Collection:" in shown and "File format:" in shown, "what a model could cheat with"
    assert at.metric[0].value.startswith("You ") and "Round 1" in shown
    at.button(key="teach_next").click().run()
    assert "Round 2" in texts(at) and not at.exception
    at.button(key="teach_reset").click().run()
    assert at.metric[0].value == "You 0 · Model 0"


@requires_real_data
@requires_shipped_model
def test_which_model_is_cheating_round_hides_the_names_until_the_guess():
    from model.registry import all_registered

    exhibit = next((e.card for e in all_registered() if e.card.teaching_exhibit), None)
    if exhibit is None:
        pytest.skip("no teaching exhibit registered")
    at = fresh_app().run()
    at.switch_page("views/teaching.py").run()
    at.segmented_control(key="teach_round").set_value("Which model is cheating?").run()
    assert not at.exception
    shown = texts(at)
    assert "Model A" in shown and "Model B" in shown
    from dashboard.plain_text import plain

    name = plain(exhibit.display_name)  # shown as text: Markdown characters escaped
    assert name not in shown and exhibit.display_name not in shown, "the names stay hidden before the guess"
    at.button(key="cheat_guess_A").click().run()
    shown = texts(at)
    assert name in shown and "is the shortcut exhibit" in shown
    assert "Share of heat inside the lungs on this film: A" in shown
    assert "of 1**" in shown  # one round scored


def test_missing_model_gives_a_clear_message(monkeypatch, tmp_path):
    import streamlit as st

    monkeypatch.setattr(config, "MODEL_PATH", tmp_path / "absent.keras")
    st.cache_resource.clear()
    try:
        at = fresh_app().run()
        assert not at.exception
        assert any("absent.keras is missing" in e.value for e in at.error)
    finally:
        st.cache_resource.clear()


def test_missing_or_corrupt_metrics_give_a_clear_message(monkeypatch, tmp_path):
    import streamlit as st

    broken = tmp_path / "metrics.json"
    broken.write_text("{not json")
    for path, words in ((tmp_path / "none.json", "is missing"), (broken, "not valid JSON")):
        monkeypatch.setattr(config, "METRICS_PATH", path)
        st.cache_data.clear()
        at = fresh_app().run()
        at.switch_page("views/evaluation.py").run()
        assert not at.exception
        assert any(words in e.value for e in at.error), [e.value for e in at.error]
    st.cache_data.clear()


def test_film_cache_is_bounded_in_bytes_and_keyed_by_content():
    from dashboard.film_cache import FilmCache

    films = [png_bytes(np.round(synthetic_radiograph(400, 400, seed=s) * 255).astype(np.uint8)) for s in range(5)]
    one_film = 400 * 400 * 4
    cache = FilmCache(budget_bytes=3 * one_film)
    for index, data in enumerate(films):
        cache.get(data, f"film{index}.png")
        assert cache.size_bytes <= 3 * one_film
    assert len(cache) == 3, "the two least recently used films were let go"
    again = cache.get(films[-1], "another name.png")
    assert again is cache.get(films[-1], "film4.png"), "same content, one decoded copy"


@requires_real_data
@requires_shipped_model
def test_a_wrong_prediction_opens_in_explain_with_its_truth():
    at = fresh_app().run()
    at.switch_page("views/evaluation.py").run()
    opens = [b for b in at.button if b.key and b.key.startswith("open_")]
    assert opens, "the gallery of mistakes offers to open each film"
    opens[0].click().run()
    assert not at.exception
    from dashboard.handoff import FilmToOpen

    assert at.session_state["film_to_open"] == FilmToOpen(opens[0].key.removeprefix("open_"))
    at.switch_page("views/explain.py").run()  # what st.switch_page does in the browser; AppTest stays put
    anyway = [b for b in at.button if b.key and b.key.startswith("anyway_")]
    if anyway:
        anyway[0].click().run()
    shown = texts(at)
    assert "True class:" in shown and "wrong" in shown


def test_a_file_that_failed_is_not_decoded_again():
    from dashboard import film_cache
    from model.image_io import ImageLoadError

    class CountingDecoder:
        calls: list[str] = []

        def decode(self, data, name):
            self.calls.append(name)
            raise ImageLoadError(f"{name}: not an image.")

    decoder = CountingDecoder()
    cache = film_cache.FilmCache(budget_bytes=10**6, decoder=decoder)
    for _ in range(3):
        with pytest.raises(ImageLoadError, match="bad.png: not an image"):
            cache.get(b"junk", "bad.png")
    assert decoder.calls == ["bad.png"], "decoded once, the error remembered"


@requires_real_data
@requires_shipped_model
def test_a_dataset_film_with_a_radiologists_box_shows_it_and_whether_the_peak_hit():
    import pandas as pd

    boxes = pd.read_csv(config.data_dir() / config.NIH_ADULT_SUBDIR / config.BOXES_FILENAME)
    splits = pd.read_csv(config.SPLITS_PATH)
    image = boxes.loc[boxes["finding"] == "Pneumonia", "image"].iloc[0]
    path = f"{config.NIH_ADULT_SUBDIR}/{image}"
    split = splits.loc[splits["path"] == path, "split"].iloc[0]
    at = fresh_app().run()
    at.radio(key="explain_source").set_value("Dataset").run()
    at.selectbox(key="ds_split").set_value(split).run()
    at.selectbox(key="ds_path").set_value(path).run()
    at.selectbox(key="target").set_value("Pneumonia").run()
    assert not at.exception, [e.value for e in at.exception]
    boxes = viewer_data(at)["boxes"]
    assert boxes and all(b["label"] for b in boxes), "the box is drawn in the viewer (its toggle is there)"
    said = " ".join(b.value for b in [*at.success, *at.error, *at.info])
    assert "radiologist's Pneumonia box" in said, "the page says whether the peak hit the box"
