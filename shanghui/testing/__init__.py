"""The test kit: helpers every app's tests share."""
