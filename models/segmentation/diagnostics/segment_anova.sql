-- ANOVA of each model variable across the clusters (方差分析): large F = the variable separates them.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'anova'

),

final as (

    {{ pivot_artifact(
        'artifact_rows',
        'model_variable',
        [
            'ss_between',
            'df_between',
            'ms_between',
            'ss_within',
            'df_within',
            'ms_within',
            'f',
            'p_value',
        ],
    ) }}

)

select * from final
