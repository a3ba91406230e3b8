-- Classification results (分类结果): the share of fitted customers Fisher's classification
-- functions put back in their own group, overall and per group, resubstituted and by exact
-- leave-one-out (SPSS's "cross-validated"), with the priors the functions used. A rate the
-- data leave undefined (a one-member group's leave-one-out rate) is null, with the reason the
-- fit wrote in its cell.
with

model_runs as (

    select * from {{ ref('segment_model_runs') }}

),

hit_rates as (

    {{ artifact_table('hit_rate') }}

),

undefined_reasons as (

    select
        model_id,
        row_key as validation_method,
        column_key as segment_code,
        text_value as undefined_reason
    from {{ ref('segment_model_artifacts') }}
    where artifact = 'hit_rate' and text_value is not null

),

final as (

    select
        hit_rates.model_id,
        hit_rates.scheme,
        hit_rates.as_of_date,
        hit_rates.validation_method,
        model_runs.priors,
        hit_rates.segment_code,
        hit_rates.hit_rate,
        undefined_reasons.undefined_reason
    from hit_rates
    left join model_runs
        on hit_rates.model_id = model_runs.model_id
    left join undefined_reasons
        on
            hit_rates.model_id = undefined_reasons.model_id
            and hit_rates.validation_method = undefined_reasons.validation_method
            and hit_rates.segment_code = undefined_reasons.segment_code
    where hit_rates.segment_code != 'n_folds'

)

select * from final
