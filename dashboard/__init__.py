"""The Streamlit UI. It calls `model/`; nothing in `model/` imports from here."""
