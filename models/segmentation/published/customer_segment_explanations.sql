-- One row per customer per scheme (as customer_segments): why the customer is in their group
-- rather than the runner-up, and the cheapest single-input path to the next group up
-- (docs/domain.md, "Why this group, and what would move the customer up"). The per-input
-- detail is customer_segment_explanation_inputs; a customer a rule assigns (closed accounts,
-- the paper's outliers) gets a row naming the rule, with nulls.
--   score_margin   the assigned segment's score minus the runner-up's under the rule that
--                  placed the customer: the sum of the inputs' margin_contribution and
--                  constant_contribution.
--   margin_share   how far the customer sits from the tie, 0 (a tie) to 1: for the nearest
--                  centre 1 - d_g^2 / d_r^2 (squared distances to the two centres); for
--                  Fisher's and the twins' functions, whose score differences are log
--                  posterior odds, 1 - p_r / p_g = 1 - exp(-score_margin).
--   cheapest path  the input whose change alone reaches the next segment up with the least
--                  change in standard deviations (|z_change_to_next_segment|).
{%- set max_segments = scoring_max_segments() %}
with

segments as (

    select * from {{ ref('int_segment_assignments') }}

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

placement_scores as (

    select * from {{ ref('int_segment_placement_scores') }}

),

explanation_inputs as (

    select * from {{ ref('customer_segment_explanation_inputs') }}

),

functions as (

    select * from {{ ref('int_segment_placement_functions') }}

),

constants as (

    select distinct
        model_id,
        placement_rule,
        segment_code,
        constant_term
    from functions

),

roles as (

    select
        customer_id,
        scheme,
        max(model_id) as model_id,
        max(placement_rule) as placement_rule,
        max(case when is_assigned then segment_code end) as segment_code,
        max(case when is_assigned then placement_score end)
        - max(case when is_runner_up then placement_score end) as score_margin,
        max(case when is_runner_up then segment_code end) as runner_up_segment_code,
        max(case when is_next_up then segment_code end) as next_segment_code
    from placement_scores
    group by customer_id, scheme

),

top_inputs as (

    select
        customer_id,
        scheme,
        input_name,
        margin_contribution,
        row_number() over (
            partition by customer_id, scheme order by margin_contribution desc, input_name asc
        ) as contribution_rank
    from explanation_inputs

),

cheapest_paths as (

    select *
    from explanation_inputs
    where z_change_to_next_segment is not null
    qualify
        row_number() over (
            partition by customer_id, scheme
            order by abs(z_change_to_next_segment), input_name
        ) = 1

),

-- The distances behind the nearest centre's margin share.
distances as (

    select
        scores.customer_id,
        scores.scheme,
        scores.function_set,
        case
            {% for j in range(1, max_segments + 1) %}
                when scores.segment_code_{{ j }} = roles.runner_up_segment_code
                    then scores.distance_to_centre_{{ j }}
            {% endfor %}
        end as runner_up_distance
    from scores
    inner join roles
        on scores.customer_id = roles.customer_id and scores.scheme = roles.scheme

),

explained as (

    select
        segments.customer_id,
        segments.scheme,
        segments.as_of_date,
        segments.model_id,
        segments.segment_code,
        segments.assignment_method,
        segments.assignment_rule,
        roles.placement_rule,
        roles.runner_up_segment_code,
        roles.score_margin,
        case
            when
                roles.placement_rule = 'nearest_centre'
                or (
                    roles.placement_rule = 'classification'
                    and distances.function_set = 'nearest_centre'
                )
                then
                    case
                        when distances.runner_up_distance > 0
                            then
                                2 * roles.score_margin
                                / (distances.runner_up_distance * distances.runner_up_distance)
                    end
            when roles.placement_rule is not null then 1 - exp(-roles.score_margin)
        end as margin_share,
        assigned_constant.constant_term - runner_up_constant.constant_term
            as constant_contribution,
        first_input.input_name as top_input,
        first_input.margin_contribution as top_input_contribution,
        second_input.input_name as second_input,
        second_input.margin_contribution as second_input_contribution,
        roles.next_segment_code,
        cheapest_paths.input_name as cheapest_input,
        cheapest_paths.input_value as cheapest_input_value,
        cheapest_paths.target_value_for_next_segment as cheapest_input_target_value,
        cheapest_paths.z_change_to_next_segment as cheapest_input_z_change
    from segments
    left join roles
        on segments.customer_id = roles.customer_id and segments.scheme = roles.scheme
    left join constants as assigned_constant
        on
            roles.model_id = assigned_constant.model_id
            and roles.placement_rule = assigned_constant.placement_rule
            and roles.segment_code = assigned_constant.segment_code
    left join constants as runner_up_constant
        on
            roles.model_id = runner_up_constant.model_id
            and roles.placement_rule = runner_up_constant.placement_rule
            and roles.runner_up_segment_code = runner_up_constant.segment_code
    left join distances
        on segments.customer_id = distances.customer_id and segments.scheme = distances.scheme
    left join top_inputs as first_input
        on
            segments.customer_id = first_input.customer_id
            and segments.scheme = first_input.scheme
            and first_input.contribution_rank = 1
    left join top_inputs as second_input
        on
            segments.customer_id = second_input.customer_id
            and segments.scheme = second_input.scheme
            and second_input.contribution_rank = 2
    left join cheapest_paths
        on
            segments.customer_id = cheapest_paths.customer_id
            and segments.scheme = cheapest_paths.scheme

),

final as (

    select
        customer_id,
        scheme,
        as_of_date,
        model_id,
        segment_code,
        assignment_method,
        assignment_rule,
        placement_rule,
        runner_up_segment_code,
        score_margin,
        margin_share,
        margin_share < {{ var('explanation_borderline_margin_share') }} as is_borderline,
        constant_contribution,
        top_input,
        top_input_contribution,
        second_input,
        second_input_contribution,
        next_segment_code,
        cheapest_input,
        cheapest_input_value,
        cheapest_input_target_value,
        cheapest_input_z_change
    from explained

)

select * from final
