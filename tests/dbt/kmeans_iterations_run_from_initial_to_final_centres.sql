-- The K-means iteration history is the run that produced the model: each step's change is
-- the distance from the centre before it (the initial centre for step 1) to the centre after
-- it, and the centres after the last step are the final cluster centres.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

initial_centres as (

    select * from {{ ref('segment_initial_cluster_centres') }}

),

final_centres as (

    select * from {{ ref('segment_cluster_centres') }}

),

changes as (

    select * from {{ ref('segment_kmeans_iterations') }}

),

steps as (

    select
        model_id,
        cast(split_part(row_key, ':', 1) as integer) as iteration,
        split_part(row_key, ':', 2) as segment_code,
        column_key as model_variable,
        value as centre
    from artifacts
    where artifact = 'kmeans_iteration' and column_key != 'change'

),

starts as (

    select
        model_id,
        0 as iteration,
        segment_code,
        model_variable,
        initial_centre as centre
    from initial_centres
    union all
    select * from steps

),

moved as (

    select
        after_step.model_id,
        after_step.iteration,
        after_step.segment_code,
        sqrt(sum(power(after_step.centre - before_step.centre, 2))) as distance
    from steps as after_step
    inner join starts as before_step
        on
            after_step.model_id = before_step.model_id
            and after_step.iteration = before_step.iteration + 1
            and after_step.segment_code = before_step.segment_code
            and after_step.model_variable = before_step.model_variable
    group by after_step.model_id, after_step.iteration, after_step.segment_code

),

wrong_changes as (

    select
        changes.model_id,
        changes.segment_code,
        changes.iteration
    from changes
    left join moved
        on
            changes.model_id = moved.model_id
            and changes.iteration = moved.iteration
            and changes.segment_code = moved.segment_code
    where moved.distance is null or abs(moved.distance - changes.change_in_centre) > 1e-9

),

last_steps as (

    select
        model_id,
        max(iteration) as iteration
    from steps
    group by model_id

),

wrong_ends as (

    select
        final_centres.model_id,
        final_centres.segment_code,
        last_steps.iteration
    from final_centres
    inner join last_steps
        on final_centres.model_id = last_steps.model_id
    left join steps
        on
            final_centres.model_id = steps.model_id
            and last_steps.iteration = steps.iteration
            and final_centres.segment_code = steps.segment_code
            and final_centres.model_variable = steps.model_variable
    where steps.centre is null or steps.centre != final_centres.centre

)

select * from wrong_changes
union all
select * from wrong_ends
