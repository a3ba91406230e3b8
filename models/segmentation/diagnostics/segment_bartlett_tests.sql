-- Bartlett's test of sphericity (scheme A): is the correlation matrix the identity?
{{ artifact_table('bartlett') }}
