-- Bartlett's test of sphericity (scheme A): is the correlation matrix the identity?
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'bartlett'

),

final as (

    {{ pivot_artifact(
        'artifact_rows',
        'test_name',
        [
            'chi_square',
            'df',
            'p_value',
            'n',
        ],
    ) }}

)

select * from final
