{{ config(materialized='view') }}
-- One row per customer a model places, per scheme and input of the rule that placed them: the
-- per-input columns of int_segment_explanations, one row each (docs/domain.md, "Why this
-- group, and what would move the customer up"). A view: the rows are the wide table's
-- columns, read when a list needs them, not stored twice.
{%- set inputs = indicator_columns() %}
with

explanations as (

    select * from {{ ref('int_segment_explanations') }}

),

input_names as (

    {%- for column in inputs %}
        select '{{ column }}' as input_name
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

unpivoted as (

    select
        explanations.customer_id,
        explanations.scheme,
        explanations.model_id,
        explanations.segment_code,
        explanations.placement_rule,
        input_names.input_name,
        explanations.runner_up_segment_code,
        explanations.next_segment_code,
        {%- set per_input = [
            'input_value', 'z', 'is_held_at_mean', 'contribution', 'z_change', 'target',
        ] %}
        {% for name in per_input %}
            case input_names.input_name
                {% for column in inputs %}
                    when '{{ column }}' then explanations.{{ name }}_{{ column }}
                {% endfor %}
            end as {{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from explanations
    cross join input_names

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        segment_code,
        placement_rule,
        input_name,
        input_value,
        z as z_score,
        is_held_at_mean,
        runner_up_segment_code,
        contribution as margin_contribution,
        next_segment_code,
        z_change as z_change_to_next_segment,
        target - input_value as change_to_next_segment,
        target as target_value_for_next_segment
    from unpivoted
    -- the inputs the rule takes (their contribution is a number, 0 at the mean)
    where contribution is not null

)

select * from final
