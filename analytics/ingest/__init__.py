"""Reading files and recognising what they hold: readers, codebooks, column mapping, unit-level results, data-quality findings."""
