-- Fisher's linear classification function coefficients (分类函数系数): per group, a
-- coefficient per input's z-score and a constant (with the log prior); a customer belongs to the
-- group whose function is highest.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as segment_code,
        column_key as term,
        value as coefficient
    from artifacts
    where artifact = 'classification_function'

)

select * from final
