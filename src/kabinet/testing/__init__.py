"""Test helpers shared by every app: factories, the cross-client access matrix, live servers, browsers."""
