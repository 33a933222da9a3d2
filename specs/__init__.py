"""Service specification templates (YAML), rendered by spcs_wizard.specs.render."""
