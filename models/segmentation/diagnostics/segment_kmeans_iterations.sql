-- Iteration history (迭代历史记录, SPSS QUICK CLUSTER's "Iteration History"): how far each
-- cluster centre moved in each Lloyd step of the run that produced the model.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        cast(split_part(row_key, ':', 1) as integer) as iteration,
        split_part(row_key, ':', 2) as segment_code,
        value as change_in_centre
    from artifacts
    where artifact = 'kmeans_iteration' and column_key = 'change'

)

select * from final
