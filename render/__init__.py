"""Plotly figures and the HTML/PDF board pack, built without Streamlit for the app and the command line."""
