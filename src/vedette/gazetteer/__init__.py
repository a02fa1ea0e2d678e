"""Places: the bundled offline gazetteer, loaded GeoNames files, analysts' own places."""
