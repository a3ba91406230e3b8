-- One row per customer, scheme and input of the rule that placed the customer (customers a
-- model places; int_segment_placement_functions names the rules): the input as measured
-- and the z-score the rule took. K-means' customers (assignment_method kmeans) by the
-- nearest centre on the model's z-scores; new customers (discriminant) by the twin functions
-- on the twin z-scores where int_segment_twin_placements placed them, else by the model's
-- classification functions on the model's z-scores, with the inputs a short history does not
-- measure held at the fitted mean (z = 0, var new_customer_unmeasured_inputs).
{%- set inputs = indicator_columns() %}
{%- set twin_inputs = twin_input_columns() %}
{%- set unmeasured = var('new_customer_unmeasured_inputs') %}
with

assignments as (

    select * from {{ ref('int_segment_assignments') }}

),

indicators as (

    select * from {{ ref('customer_indicators') }}

),

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

twin_placements as (

    select * from {{ ref('int_segment_twin_placements') }}

),

functions as (

    select * from {{ ref('int_segment_placement_functions') }}

),

placements as (

    select
        assignments.customer_id,
        assignments.scheme,
        assignments.model_id,
        assignments.segment_code,
        case
            when assignments.assignment_method = 'kmeans' then 'nearest_centre'
            when twin_placements.customer_id is not null then 'twin'
            else 'classification'
        end as placement_rule
    from assignments
    left join twin_placements
        on
            assignments.customer_id = twin_placements.customer_id
            and assignments.scheme = twin_placements.scheme
    where assignments.assignment_method != 'rule'

),

rule_inputs as (

    select distinct
        model_id,
        placement_rule,
        input_name,
        input_mean,
        input_std,
        input_transform
    from functions

),

final as (

    select
        placements.customer_id,
        placements.scheme,
        placements.model_id,
        placements.segment_code,
        placements.placement_rule,
        rule_inputs.input_name,
        case rule_inputs.input_name
            {% for column in inputs %}
                when '{{ column }}' then cast(indicators.{{ column }} as double)
            {% endfor %}
        end as input_value,
        case
            when placements.placement_rule = 'twin'
                then
                    case rule_inputs.input_name
                        {% for column in twin_inputs %}
                            when '{{ column }}' then twin_placements.twin_z_{{ column }}
                        {% endfor %}
                    end
            else
                case rule_inputs.input_name
                    {% for column in inputs %}
                        when '{{ column }}' then standardised.z_{{ column }}
                    {% endfor %}
                end
        end as z_score,
        coalesce(
            placements.placement_rule != 'twin'
            and standardised.is_new_customer
            and rule_inputs.input_name in (
                {%- for column in unmeasured %}'{{ column }}'{% if not loop.last %}, {% endif %}
                {%- endfor %}{% if not unmeasured %}''{% endif -%}
            ),
            false
        ) as is_held_at_mean,
        standardised.annualisation_factor,
        rule_inputs.input_mean,
        rule_inputs.input_std,
        rule_inputs.input_transform
    from placements
    inner join rule_inputs
        on
            placements.model_id = rule_inputs.model_id
            and placements.placement_rule = rule_inputs.placement_rule
    inner join indicators
        on placements.customer_id = indicators.customer_id
    inner join standardised
        on
            placements.customer_id = standardised.customer_id
            and placements.scheme = standardised.scheme
    left join twin_placements
        on
            placements.customer_id = twin_placements.customer_id
            and placements.scheme = twin_placements.scheme

)

select * from final
