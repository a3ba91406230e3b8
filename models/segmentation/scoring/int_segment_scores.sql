-- One row per customer per scheme: the customer scored with the current model of the scheme,
-- every step a set of columns generated from the stored parameters:
--   model_score_<d>           coordinate on the model's d-th variable (variables in name
--                             order): regression factor scores (z-scores weighted by the
--                             factor score coefficients) with a factor step, else the
--                             z-scores themselves;
--   distance_to_centre_<j>    Euclidean distance to the centre of the model's j-th segment
--                             (segments in display order); the nearest is K-means'
--                             assignment (an exact tie goes to the segment first in display
--                             order, as in the Python fit);
--   classification_score_<j>  the classification function of segment j: the nearest-centre
--                             rule as linear functions of the model variables,
--                             c_j'x - ||c_j||^2 / 2 (they agree with K-means), or for a model
--                             stored without them Fisher's functions on the z-scores; the
--                             highest places a new customer (ties as above);
--   fisher_score_<j>, posterior_probability_<j>  Fisher's function on the z-scores and the
--                             posterior exp(score_j) / sum_h exp(score_h) (SPSS's
--                             P(G=g | D=d)), computed shifted by the best score so no exp
--                             overflows.
-- The parameters are pivoted into one row per model (a column per input x dimension, segment
-- x dimension, segment x input) and joined to the customers' z-scores. Columns are generated
-- for the most segments and dimensions the settings allow (macros/segmentation/
-- scoring_slots.sql), computed for as many as the current models have (read when dbt runs
-- the model) and null past them; a current model with more than the settings allow stops
-- the build.
{%- set max_segments = scoring_max_segments() %}
{%- set max_dimensions = scoring_max_dimensions() %}
{#- Computed for the shape of the current models; the columns past it up to the maxima stay
    null (a model wider than the maxima stops the build below). #}
{%- set shape = scoring_shape(ref('int_segment_current_parameters')) %}
{%- set inputs = shape['inputs'] %}
{%- set segments = range(1, [shape['segments'], max_segments] | min + 1) %}
{%- set dimensions = range(1, [shape['dimensions'], max_dimensions] | min + 1) %}
with

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

-- The model variables, numbered in name order (the centres are over all of them).
dimensions as (

    select
        model_id,
        column_key as model_variable,
        dense_rank() over (partition by model_id order by column_key) as dimension
    from parameters
    where artifact = 'cluster_centre'
    group by model_id, column_key

),

-- The segments, numbered in display order.
segment_slots as (

    select
        model_id,
        row_key as segment_code,
        row_number() over (partition by model_id order by value, row_key) as slot
    from parameters
    where artifact = 'segment_naming' and column_key = 'sort_order'

),

factor_models as (

    select distinct model_id
    from parameters
    where artifact = 'factor_score_coefficient'

),

assignment_models as (

    select distinct model_id
    from parameters
    where artifact = 'assignment_function'

),

-- Input x model variable weights: the factor score coefficients, or for a model without a
-- factor step 1 where the variable is the input itself (its z-score passes through exactly).
input_weights as (

    select
        model_id,
        row_key as input_name,
        column_key as model_variable,
        value as weight
    from parameters
    where artifact = 'factor_score_coefficient'
    union all
    select
        model_id,
        row_key as input_name,
        row_key as model_variable,
        1.0 as weight
    from parameters
    where
        artifact = 'standardisation'
        and column_key = 'mean'
        and model_id not in (select factor_models.model_id from factor_models)

),

-- Every number scoring needs, one row per cell named as its column will be.
numeric_cells as (

    select
        input_weights.model_id,
        'weight_' || input_weights.input_name || '_' || cast(dimensions.dimension as string)
            as cell,
        input_weights.weight as cell_value
    from input_weights
    inner join dimensions
        on
            input_weights.model_id = dimensions.model_id
            and input_weights.model_variable = dimensions.model_variable
    union all
    select
        parameters.model_id,
        'centre_' || cast(segment_slots.slot as string) || '_'
        || cast(dimensions.dimension as string) as cell,
        parameters.value as cell_value
    from parameters
    inner join segment_slots
        on
            parameters.model_id = segment_slots.model_id
            and parameters.row_key = segment_slots.segment_code
    inner join dimensions
        on
            parameters.model_id = dimensions.model_id
            and parameters.column_key = dimensions.model_variable
    where parameters.artifact = 'cluster_centre'
    union all
    select
        parameters.model_id,
        'assignment_' || cast(segment_slots.slot as string) || '_'
        || coalesce(cast(dimensions.dimension as string), parameters.column_key) as cell,
        parameters.value as cell_value
    from parameters
    inner join segment_slots
        on
            parameters.model_id = segment_slots.model_id
            and parameters.row_key = segment_slots.segment_code
    left join dimensions
        on
            parameters.model_id = dimensions.model_id
            and parameters.column_key = dimensions.model_variable
    where parameters.artifact = 'assignment_function'
    union all
    select
        parameters.model_id,
        'fisher_' || cast(segment_slots.slot as string) || '_' || parameters.column_key
            as cell,
        parameters.value as cell_value
    from parameters
    inner join segment_slots
        on
            parameters.model_id = segment_slots.model_id
            and parameters.row_key = segment_slots.segment_code
    where parameters.artifact = 'classification_function'

),

-- One row per current model: its shape and every parameter as a column.
model_parameters as (

    select
        segment_slots.model_id,
        {% for j in segments %}
            max(case when segment_slots.slot = {{ j }} then segment_slots.segment_code end)
                as segment_code_{{ j }},
        {% endfor %}
        max(segment_slots.slot) as n_segments,
        max(dimensions.dimension) as n_dimensions,
        max(
            case when assignment_models.model_id is not null then 1 else 0 end
        ) as has_assignment_functions,
        -- the model variables in name order (the keys of factor_scores)
        {{ sorted_distinct_list('dimensions.model_variable') }} as model_variables
    from segment_slots
    inner join dimensions
        on segment_slots.model_id = dimensions.model_id
    left join assignment_models
        on segment_slots.model_id = assignment_models.model_id
    group by segment_slots.model_id

),

model_cells as (

    select
        {% for d in dimensions %}
            {% for column in inputs %}
                coalesce(
                    max(case when cell = 'weight_{{ column }}_{{ d }}' then cell_value end), 0
                ) as weight_{{ column }}_{{ d }},
            {% endfor %}
        {% endfor %}
        {% for j in segments %}
            {% for d in dimensions %}
                coalesce(
                    max(case when cell = 'centre_{{ j }}_{{ d }}' then cell_value end), 0
                ) as centre_{{ j }}_{{ d }},
                coalesce(
                    max(case when cell = 'assignment_{{ j }}_{{ d }}' then cell_value end), 0
                ) as assignment_{{ j }}_{{ d }},
            {% endfor %}
            max(case when cell = 'assignment_{{ j }}_constant' then cell_value end)
                as assignment_{{ j }}_constant,
            {% for column in inputs %}
                coalesce(
                    max(case when cell = 'fisher_{{ j }}_{{ column }}' then cell_value end), 0
                ) as fisher_{{ j }}_{{ column }},
            {% endfor %}
            max(case when cell = 'fisher_{{ j }}_constant' then cell_value end)
                as fisher_{{ j }}_constant,
        {% endfor %}
        model_id
    from numeric_cells
    group by model_id

),

-- A model wider than the generated columns would be scored on part of its segments or
-- variables: stop instead, naming the model and the setting.
checked_models as (

    select
        model_parameters.*,
        case
            when model_parameters.n_segments > {{ max_segments }}
                then {{ sql_error(
                    "'segment scoring: the current model ' || model_parameters.model_id
                    || ' has ' || cast(model_parameters.n_segments as string)
                    || ' segments; scoring generates columns for at most "
                    ~ max_segments ~ " (the largest of vars scheme_a_k, scheme_b_k and '
                    || 'segmentation_k_range). Raise one of them to the model''s k, or refit.'"
                ) }}
            when model_parameters.n_dimensions > {{ max_dimensions }}
                then {{ sql_error(
                    "'segment scoring: the current model ' || model_parameters.model_id
                    || ' has ' || cast(model_parameters.n_dimensions as string)
                    || ' model variables; scoring generates columns for at most "
                    ~ max_dimensions ~ " (one per indicator of indicator_columns()).'"
                ) }}
        end as model_error
    from model_parameters

),

model_scores as (

    select
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        -- 0 for an input the model does not take (its weights and coefficients are 0)
        {% for column in inputs %}
            coalesce(standardised.z_{{ column }}, 0) as filled_z_{{ column }},
        {% endfor %}
        {% for d in dimensions %}
            (
                {% for column in inputs %}
                    {% if not loop.first %}+ {% endif -%}
                    model_cells.weight_{{ column }}_{{ d }}
                    * coalesce(standardised.z_{{ column }}, 0)
                {% endfor %}
            ) as model_score_{{ d }},
        {% endfor %}
        checked_models.n_dimensions
    from standardised
    inner join checked_models
        on standardised.model_id = checked_models.model_id
    inner join model_cells
        on standardised.model_id = model_cells.model_id
    -- model_error is null unless the check above stops the query
    where checked_models.model_error is null

),

function_scores as (

    select
        {% for j in segments %}
            (
                {% for d in dimensions %}
                    {% if not loop.first %}+ {% endif -%}
                    (model_scores.model_score_{{ d }} - model_cells.centre_{{ j }}_{{ d }})
                    * (model_scores.model_score_{{ d }} - model_cells.centre_{{ j }}_{{ d }})
                {% endfor %}
            ) as squared_distance_{{ j }},
            (
                {% for d in dimensions %}
                    {% if not loop.first %}+ {% endif -%}
                    model_cells.assignment_{{ j }}_{{ d }} * model_scores.model_score_{{ d }}
                {% endfor %}
                + model_cells.assignment_{{ j }}_constant
            ) as assignment_score_{{ j }},
            (
                {% for column in inputs %}
                    {% if not loop.first %}+ {% endif -%}
                    model_cells.fisher_{{ j }}_{{ column }} * model_scores.filled_z_{{ column }}
                {% endfor %}
                + model_cells.fisher_{{ j }}_constant
            ) as fisher_score_{{ j }},
        {% endfor %}
        model_scores.*
    from model_scores
    inner join model_cells
        on model_scores.model_id = model_cells.model_id

),

-- Segments past the model's k have no centre and stay null.
segment_scores as (

    select
        function_scores.customer_id,
        function_scores.scheme,
        function_scores.model_id,
        case
            when checked_models.has_assignment_functions = 1 then 'nearest_centre' else 'fisher'
        end as function_set,
        {% for d in dimensions %}
            case
                when function_scores.n_dimensions >= {{ d }}
                    then function_scores.model_score_{{ d }}
            end as model_score_{{ d }},
        {% endfor %}
        {% for j in segments %}
            checked_models.segment_code_{{ j }},
            case
                when checked_models.n_segments >= {{ j }}
                    then function_scores.squared_distance_{{ j }}
            end as squared_distance_{{ j }},
            case
                when checked_models.has_assignment_functions = 1
                    then function_scores.assignment_score_{{ j }}
                else function_scores.fisher_score_{{ j }}
            end as classification_score_{{ j }},
            function_scores.fisher_score_{{ j }},
        {% endfor %}
        checked_models.model_variables,
        function_scores.n_dimensions
    from function_scores
    inner join checked_models
        on function_scores.model_id = checked_models.model_id

),

best_scores as (

    select
        *,
        least(
            {% for j in segments %}
                squared_distance_{{ j }}{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as nearest_squared_distance,
        greatest(
            {% for j in segments %}
                classification_score_{{ j }}{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as best_classification_score,
        greatest(
            {% for j in segments %}
                fisher_score_{{ j }}{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as best_fisher_score
    from segment_scores

),

relative_likelihoods as (

    select
        {% for j in segments %}
            exp(fisher_score_{{ j }} - best_fisher_score) as relative_likelihood_{{ j }},
        {% endfor %}
        *
    from best_scores

),

-- The first segment (display order) at the best value wins a tie.
assigned as (

    select
        *,
        case
            {% for j in segments %}
                when squared_distance_{{ j }} = nearest_squared_distance
                    then segment_code_{{ j }}
            {% endfor %}
        end as nearest_segment_code,
        case
            {% for j in segments %}
                when classification_score_{{ j }} = best_classification_score
                    then segment_code_{{ j }}
            {% endfor %}
        end as classified_segment_code,
        (
            {% for j in segments %}
                {% if not loop.first %}+ {% endif -%}
                coalesce(relative_likelihood_{{ j }}, 0)
            {% endfor %}
        ) as total_relative_likelihood
    from relative_likelihoods

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        function_set,
        {% for d in range(1, max_dimensions + 1) %}
            {% if d in dimensions %}
                model_score_{{ d }},
            {% else %}
                cast(null as double) as model_score_{{ d }},
            {% endif %}
        {% endfor %}
        -- model-space coordinates as one map ({'factor_1': ..} for scheme A, the inputs'
        -- z-scores for scheme B), variables in name order
        {%- set model_scores = [] %}
        {%- for d in dimensions %}{% do model_scores.append('model_score_' ~ d) %}{% endfor %}
        {{ map_from_lists('model_variables', model_scores, 'n_dimensions') }} as factor_scores,
        {% for j in range(1, max_segments + 1) %}
            {% if j in segments %}
                segment_code_{{ j }},
                sqrt(squared_distance_{{ j }}) as distance_to_centre_{{ j }},
                classification_score_{{ j }},
                fisher_score_{{ j }},
                relative_likelihood_{{ j }} / total_relative_likelihood
                    as posterior_probability_{{ j }},
            {% else %}
                cast(null as string) as segment_code_{{ j }},
                cast(null as double) as distance_to_centre_{{ j }},
                cast(null as double) as classification_score_{{ j }},
                cast(null as double) as fisher_score_{{ j }},
                cast(null as double) as posterior_probability_{{ j }},
            {% endif %}
        {% endfor %}
        nearest_segment_code,
        sqrt(nearest_squared_distance) as nearest_distance_to_centre,
        case
            {% for j in segments %}
                when nearest_segment_code = segment_code_{{ j }}
                    then relative_likelihood_{{ j }} / total_relative_likelihood
            {% endfor %}
        end as nearest_posterior_probability,
        classified_segment_code,
        case
            {% for j in segments %}
                when classified_segment_code = segment_code_{{ j }}
                    then sqrt(squared_distance_{{ j }})
            {% endfor %}
        end as classified_distance_to_centre,
        case
            {% for j in segments %}
                when classified_segment_code = segment_code_{{ j }}
                    then relative_likelihood_{{ j }} / total_relative_likelihood
            {% endfor %}
        end as classified_posterior_probability
    from assigned

)

select * from final
