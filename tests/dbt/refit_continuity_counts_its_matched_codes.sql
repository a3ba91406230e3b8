-- The groups segment_refit_continuity marks as matched to the previous model are the
-- model_run's codes_matched_to_previous, and only a model fitted against a previous one has
-- them (or a previous group to continue).
with

continuity as (

    select * from {{ ref('segment_refit_continuity') }}

),

per_model as (

    select
        model_id,
        max(previous_model_id) as previous_model_id,
        max(codes_matched_to_previous) as codes_matched_to_previous,
        count(*) filter (where is_matched_to_previous) as matched_groups,
        count(previous_segment_code) as continued_groups
    from continuity
    group by model_id

),

final as (

    select * from per_model
    where
        matched_groups != codes_matched_to_previous
        or (previous_model_id is null and (matched_groups > 0 or continued_groups > 0))

)

select * from final
