-- Classification results (分类结果): the share of fitted customers Fisher's classification
-- functions put back in their own group, overall and per group, resubstituted and by exact
-- leave-one-out (SPSS's "cross-validated"), with the priors the functions used.
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

final as (

    select
        artifacts.model_id,
        artifacts.scheme,
        artifacts.as_of_date,
        artifacts.row_key as validation_method,
        priors.priors,
        artifacts.column_key as segment_code,
        artifacts.value as hit_rate
    from artifacts
    left join priors
        on artifacts.model_id = priors.model_id
    where artifacts.artifact = 'hit_rate' and artifacts.column_key != 'n_folds'

)

select * from final
