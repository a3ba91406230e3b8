-- Classification results (分类结果): the share of fitted customers Fisher's classification
-- functions put back in their own group, overall and per group, resubstituted and by exact
-- leave-one-out (SPSS's "cross-validated"), with the priors the functions used.
with

model_runs as (

    select * from {{ ref('segment_model_runs') }}

),

hit_rates as (

    {{ artifact_table('hit_rate') }}

),

final as (

    select
        hit_rates.model_id,
        hit_rates.scheme,
        hit_rates.as_of_date,
        hit_rates.validation_method,
        model_runs.priors,
        hit_rates.segment_code,
        hit_rates.hit_rate
    from hit_rates
    left join model_runs
        on hit_rates.model_id = model_runs.model_id
    where hit_rates.segment_code != 'n_folds'

)

select * from final
