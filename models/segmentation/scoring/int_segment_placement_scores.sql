-- One row per model-placed customer, scheme and segment of the model: the segment's score
-- under the rule that placed the customer (int_segment_placement_functions: constant +
-- sum of coefficient x z-score), its rank among the model's segments (1 the highest; a tie
-- to the segment first in display order, as the placement), and the segment's role for the
-- customer's explanation: the assigned segment, the runner-up (the best other score) and
-- the next segment up in display order (none for the top segment).
with

placement_inputs as (

    select * from {{ ref('int_segment_placement_inputs') }}

),

functions as (

    select * from {{ ref('int_segment_placement_functions') }}

),

scores as (

    select
        placement_inputs.customer_id,
        placement_inputs.scheme,
        placement_inputs.model_id,
        placement_inputs.placement_rule,
        placement_inputs.segment_code as assigned_segment_code,
        functions.segment_code,
        functions.sort_order,
        max(functions.constant_term)
        + sum(functions.coefficient * coalesce(placement_inputs.z_score, 0)) as placement_score
    from placement_inputs
    inner join functions
        on
            placement_inputs.model_id = functions.model_id
            and placement_inputs.placement_rule = functions.placement_rule
            and placement_inputs.input_name = functions.input_name
    group by
        placement_inputs.customer_id,
        placement_inputs.scheme,
        placement_inputs.model_id,
        placement_inputs.placement_rule,
        placement_inputs.segment_code,
        functions.segment_code,
        functions.sort_order

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, scheme
            order by placement_score desc, sort_order asc
        ) as score_rank,
        -- the best score among the segments other than the assigned one
        row_number() over (
            partition by customer_id, scheme, segment_code = assigned_segment_code
            order by placement_score desc, sort_order asc
        ) as rank_among_others,
        max(case when segment_code = assigned_segment_code then sort_order end)
            over (partition by customer_id, scheme) as assigned_sort_order
    from scores

),

next_up as (

    select
        *,
        max(case when sort_order < assigned_sort_order then sort_order end)
            over (partition by customer_id, scheme) as next_up_sort_order
    from ranked

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        placement_rule,
        segment_code,
        sort_order,
        placement_score,
        score_rank,
        segment_code = assigned_segment_code as is_assigned,
        segment_code != assigned_segment_code and rank_among_others = 1 as is_runner_up,
        coalesce(sort_order = next_up_sort_order, false) as is_next_up
    from next_up

)

select * from final
