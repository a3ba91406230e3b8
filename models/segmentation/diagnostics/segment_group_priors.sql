-- Prior probabilities for groups (组的先验概率, SPSS DISCRIMINANT's table): the prior of each
-- K-means group in Fisher's classification functions (var segmentation_priors) and the
-- customers the analysis used.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

priors as (

    select
        model_id,
        json_extract_string(text_value, '$.priors') as priors
    from artifacts
    where artifact = 'model_run' and column_key = 'config'

),

artifact_rows as (

    select * from artifacts
    where artifact = 'group_prior'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'segment_code',
        [
            'prior',
            'n',
        ],
    ) }}

),

final as (

    select
        pivoted.model_id,
        pivoted.scheme,
        pivoted.as_of_date,
        pivoted.segment_code,
        priors.priors,
        pivoted.prior,
        cast(pivoted.n as bigint) as cases_used
    from pivoted
    left join priors
        on pivoted.model_id = priors.model_id

)

select * from final
