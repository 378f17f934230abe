"""Entry point: `streamlit run dashboard/app.py`. Sets up the page and the navigation only."""

from __future__ import annotations

import streamlit as st

from dashboard.texts import DISCLAIMER

st.set_page_config(page_title="Chest X-ray CNN: why it says so", page_icon=":material/radiology:", layout="wide")

PAGES = [
    st.Page("views/explain.py", title="Explain", icon=":material/search:", default=True),
    st.Page("views/dataset.py", title="Dataset", icon=":material/bar_chart:"),
    st.Page("views/evaluation.py", title="Evaluation", icon=":material/monitoring:"),
    st.Page("views/explanation_quality.py", title="Explanation quality", icon=":material/science:"),
    st.Page("views/archive.py", title="Archive audit", icon=":material/inventory_2:"),
    st.Page("views/teaching.py", title="Teaching mode", icon=":material/school:"),
    st.Page("views/about.py", title="About / model card", icon=":material/info:"),
]

navigation = st.navigation(PAGES)
st.sidebar.warning(DISCLAIMER, icon=":material/warning:")
navigation.run()
