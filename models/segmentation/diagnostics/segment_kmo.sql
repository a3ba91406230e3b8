-- Kaiser-Meyer-Olkin measure of sampling adequacy, per input and `overall` (scheme A).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'kmo'

),

final as (

    {{ pivot_artifact(
        'artifact_rows',
        'input_name',
        [
            'kmo',
        ],
    ) }}

)

select * from final
