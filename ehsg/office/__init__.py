"""Office files in: inspecting untrusted zips before any parser sees them."""
