"""From image folders to one table: manifest, duplicates, the group-aware split, dataset statistics, cached arrays."""
