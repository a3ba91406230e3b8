-- Prior probabilities for groups (组的先验概率, SPSS DISCRIMINANT's table): the prior of each
-- K-means group in Fisher's classification functions (var segmentation_priors) and the
-- customers the analysis used.
with

model_runs as (

    select * from {{ ref('segment_model_runs') }}

),

group_priors as (

    {{ artifact_table('group_prior') }}

),

final as (

    select
        group_priors.model_id,
        group_priors.scheme,
        group_priors.as_of_date,
        group_priors.segment_code,
        model_runs.priors,
        group_priors.prior,
        group_priors.n as cases_used
    from group_priors
    left join model_runs
        on group_priors.model_id = model_runs.model_id

)

select * from final
