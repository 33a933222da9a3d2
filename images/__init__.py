"""Build contexts of the service images (one directory each), shipped with the package
as ``spcs_wizard.image_contexts`` so an installed spcs-wizard can build them too."""
