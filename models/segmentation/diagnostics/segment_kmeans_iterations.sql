-- Iteration history (迭代历史记录, SPSS QUICK CLUSTER's "Iteration History"): how far each
-- cluster centre moved in each Lloyd step of the run that produced the model.
with

iterations as (

    {{ artifact_table('kmeans_iteration') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        cast(split_part(iteration_segment, ':', 1) as integer) as iteration,
        split_part(iteration_segment, ':', 2) as segment_code,
        value as change_in_centre
    from iterations
    where statistic = 'change'

)

select * from final
