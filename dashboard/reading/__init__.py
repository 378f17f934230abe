"""The reader's side of the dashboard: who is reading, their reading of a film (marks, findings, "no finding") and
the door to the readings store. The store and every score live in model.readings; this package only draws."""
