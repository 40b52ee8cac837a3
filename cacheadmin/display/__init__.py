"""Display: formatting figures and key names, template tags, charts."""
