"""Workshops: one instructor, many attendees, each with a deployment of their own."""
