-- The varimax rotation sweep by sweep (旋转迭代, scheme A): the criterion after each sweep of
-- Kaiser's planar rotations and the largest angle the sweep turned by.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'rotation_iteration'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'sweep',
        [
            'criterion',
            'max_angle',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        cast(sweep as integer) as sweep,
        criterion,
        max_angle
    from pivoted

)

select * from final
