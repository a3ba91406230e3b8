-- Standardisation parameters: per model input, the transform and the mean and population
-- standard deviation of the transformed input in the fitting sample (描述统计).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'standardisation'

),

final as (

    {{ pivot_artifact(
        'artifact_rows',
        'input_name',
        [
            'position',
            'mean',
            'std',
            'null_fill',
        ],
        [
            'transform',
        ],
    ) }}

)

select * from final
