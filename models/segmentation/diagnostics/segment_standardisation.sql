-- Standardisation parameters: per model input, the transform and the mean and population
-- standard deviation of the transformed input in the fitting sample (描述统计).
{{ artifact_table('standardisation') }}
