-- Standardisation of the twin inputs: per input of the functions that place new customers,
-- the transform and the mean and population standard deviation of the transformed input over
-- the established customers' twins (docs/domain.md).
{{ artifact_table('twin_standardisation') }}
