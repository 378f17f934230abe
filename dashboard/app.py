"""Entry point: `streamlit run dashboard/app.py`. Sets up the page and the navigation only.

Everything runs inside `main()`, called unless this file is imported as `__mp_main__`: the analysis process is
started with multiprocessing's spawn, which re-imports the parent's main script in the child under that name, and
under Streamlit that script is this file. The child must load models, not draw the app (it used to, logging dozens
of 'missing ScriptRunContext' warnings at every start).
"""

from __future__ import annotations


def main() -> None:
    import streamlit as st
    from streamlit.runtime.scriptrunner import script_runner

    from dashboard.model_choice import model_picker
    from dashboard.texts import DISCLAIMER
    from dashboard.worker import start_warm_up, worker_health

    # After every script run Streamlit calls keras.backend.clear_session() when Keras is loaded, which runs a full
    # garbage collection and empties TensorFlow's kernel cache: measured, the largest use of the server's CPU with
    # twenty sessions. This app keeps its models for the life of the server and builds none per run, so there is no
    # state to clear. (A private hook: if a later Streamlit renames it, this line does nothing.)
    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = lambda: None

    st.set_page_config(page_title="Chest X-ray CNN: why it says so", page_icon=":material/radiology:", layout="wide")

    pages = [
        st.Page("views/explain.py", title="Explain", icon=":material/search:", default=True),
        st.Page("views/dataset.py", title="Dataset", icon=":material/bar_chart:"),
        st.Page("views/evaluation.py", title="Evaluation", icon=":material/monitoring:"),
        st.Page("views/explanation_quality.py", title="Explanation quality", icon=":material/science:"),
        st.Page("views/compare_models.py", title="Compare models", icon=":material/compare:"),
        st.Page("views/reader_study.py", title="Reader study", icon=":material/ink_marker:"),
        st.Page("views/readers.py", title="Readers", icon=":material/groups:"),
        st.Page("views/archive.py", title="Archive audit", icon=":material/inventory_2:"),
        st.Page("views/teaching.py", title="Teaching mode", icon=":material/school:"),
        st.Page("views/about.py", title="About / model card", icon=":material/info:"),
    ]

    start_warm_up()  # models load and trace in the background while the person picks a film
    navigation = st.navigation(pages)
    model_picker()
    st.sidebar.warning(DISCLAIMER, icon=":material/warning:")
    if (health := worker_health()) is not None:
        st.sidebar.error(health, icon=":material/sync_problem:")
    navigation.run()


if __name__ != "__mp_main__":
    main()
