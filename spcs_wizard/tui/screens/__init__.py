"""One screen per wizard step, plus help and modal dialogs."""
