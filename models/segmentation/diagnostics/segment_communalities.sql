-- Communalities (公因子方差): initial (1 for principal components) and extracted.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'communality'

),

final as (

    {{ pivot_artifact(
        'artifact_rows',
        'input_name',
        [
            'initial',
            'extraction',
        ],
    ) }}

)

select * from final
