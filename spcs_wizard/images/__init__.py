"""Building the service images for linux/amd64 and pushing them to the account's registry."""
