"""The UI layer: one module per tab, ``explorer/ui/<tab id>.py`` (its ``build(store, lang)`` lays
the tab out and wires it), and what the tabs share. The only package (with app.py) that imports
gradio."""
