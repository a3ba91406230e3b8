-- Kaiser-Meyer-Olkin measure of sampling adequacy, per input and `overall` (scheme A).
{{ artifact_table('kmo') }}
