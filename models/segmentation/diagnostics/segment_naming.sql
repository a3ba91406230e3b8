-- How each cluster got its name: the step of the naming rule and the criterion it met.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'segment_naming'

),

final as (

    {{ pivot_artifact(
        'artifact_rows',
        'segment_code',
        [
            'naming_step',
            'sort_order',
        ],
        [
            'segment_name',
            'segment_name_zh',
            'criterion',
        ],
    ) }}

)

select * from final
