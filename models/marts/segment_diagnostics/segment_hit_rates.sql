-- Classification results (分类结果): the share of fitted customers the classification functions
-- put back in their own group, overall and per group, resubstituted and cross-validated.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as validation_method,
        column_key as segment_code,
        value as hit_rate
    from artifacts
    where artifact = 'hit_rate' and column_key != 'n_folds'

)

select * from final
