-- One row per customer per scheme (as customer_segments): why the customer is in their group
-- rather than the runner-up, and the cheapest single-input path to the next group up
-- (docs/domain.md, "Why this group, and what would move the customer up"), from
-- int_segment_explanations; the per-input detail is customer_segment_explanation_inputs. A
-- customer a rule assigns (closed accounts, the paper's outliers) gets a row naming the rule,
-- with nulls.
--   top and second input  the largest margin contributions (a tie: the first indicator in
--                         indicator_columns() order);
--   cheapest path         of the inputs whose change alone reaches the next group up, the
--                         one with the least change in standard deviations (|z_change|).
{%- set inputs = indicator_columns() %}
with

segments as (

    select * from {{ ref('int_segment_assignments') }}

),

explanations as (

    select * from {{ ref('int_segment_explanations') }}

),

-- The largest contribution and the least path change ...
top_values as (

    select
        *,
        greatest(
            {% for column in inputs %}
                contribution_{{ column }}{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as top_contribution,
        least(
            {% for column in inputs %}
                abs(z_change_{{ column }}){% if not loop.last %},{% endif %}
            {% endfor %}
        ) as cheapest_z_change
    from explanations

),

-- ... and the inputs that have them (a tie: the first in indicator_columns() order).
top_inputs as (

    select
        *,
        case top_contribution
            {% for column in inputs %}
                when contribution_{{ column }} then '{{ column }}'
            {% endfor %}
        end as top_input,
        case cheapest_z_change
            {% for column in inputs %}
                when abs(z_change_{{ column }}) then '{{ column }}'
            {% endfor %}
        end as cheapest_input
    from top_values

),

-- The other inputs' contributions: the second input is the top one of them.
other_contributions as (

    select
        {% for column in inputs %}
            case
                when top_input != '{{ column }}' then contribution_{{ column }}
            end as other_contribution_{{ column }},
        {% endfor %}
        *
    from top_inputs

),

second_values as (

    select
        *,
        greatest(
            {% for column in inputs %}
                other_contribution_{{ column }}{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as second_contribution
    from other_contributions

),

second_inputs as (

    select
        *,
        case second_contribution
            {% for column in inputs %}
                when other_contribution_{{ column }} then '{{ column }}'
            {% endfor %}
        end as second_input
    from second_values

),

-- The named inputs' values.
named_inputs as (

    select
        customer_id,
        scheme,
        placement_rule,
        runner_up_segment_code,
        score_margin,
        margin_share,
        constant_contribution,
        next_segment_code,
        top_input,
        second_input,
        cheapest_input,
        {% for role, name in [
            ('top_input', 'contribution'), ('second_input', 'contribution'),
            ('cheapest_input', 'input_value'), ('cheapest_input', 'target'),
            ('cheapest_input', 'z_change'),
        ] %}
            case {{ role }}
                {% for column in inputs %}
                    when '{{ column }}' then {{ name }}_{{ column }}
                {% endfor %}
            end as {{ role }}_{{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from second_inputs

),

final as (

    select
        segments.customer_id,
        segments.scheme,
        segments.as_of_date,
        segments.model_id,
        segments.segment_code,
        segments.assignment_method,
        segments.assignment_rule,
        named_inputs.placement_rule,
        named_inputs.runner_up_segment_code,
        named_inputs.score_margin,
        named_inputs.margin_share,
        named_inputs.margin_share
        < {{ var('explanation_borderline_margin_share') }} as is_borderline,
        named_inputs.constant_contribution,
        named_inputs.top_input,
        named_inputs.top_input_contribution,
        named_inputs.second_input,
        named_inputs.second_input_contribution,
        named_inputs.next_segment_code,
        named_inputs.cheapest_input,
        named_inputs.cheapest_input_input_value as cheapest_input_value,
        named_inputs.cheapest_input_target as cheapest_input_target_value,
        named_inputs.cheapest_input_z_change
    from segments
    left join named_inputs
        on
            segments.customer_id = named_inputs.customer_id
            and segments.scheme = named_inputs.scheme

)

select * from final
