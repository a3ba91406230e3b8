{#
    How many columns wide scoring generates (int_segment_inputs_standardised,
    int_segment_scores): the model parameters are pivoted into one row per scheme, a column
    per segment slot (the model's segments in display order) and per model dimension (its
    model variables in name order), so the column count must be known when dbt compiles.

    - scoring_max_segments(): the most segments the settings allow a model: the largest of
      scheme_a_k, scheme_b_k and segmentation_k_range.
    - scoring_max_dimensions(): the most model variables a model can have: one per indicator
      (indicator_columns(); a factor model keeps at most as many factors as inputs).

    A current model with more segments or variables than this stops scoring with a message
    (int_segment_scores) instead of being scored on part of its segments.
#}
{% macro scoring_max_segments() %}
    {% set ks = [var('scheme_a_k') | int, var('scheme_b_k') | int] %}
    {% set k_range = var('segmentation_k_range') %}
    {% if k_range is string %}
        {% set ks = ks + (modules.re.findall('\d+', k_range) | map('int') | list) %}
    {% elif k_range is iterable %}
        {% set ks = ks + (k_range | map('int') | list) %}
    {% endif %}
    {{ return(ks | max) }}
{% endmacro %}

{% macro scoring_max_dimensions() %}
    {{ return(broker_segments.indicator_columns() | length) }}
{% endmacro %}

{#
    The shape of the current models, read when dbt runs int_segment_scores (after
    int_segment_current_parameters is built): {'segments': the most segments, 'dimensions':
    the most model variables of a current model, 'inputs': the indicators some current
    model takes, in indicator_columns() order}. Scoring computes only these; the columns
    past them (up to the maxima above) stay null, so the table's columns do not change.
    When dbt only parses or compiles, or the parameters are not built yet (or empty, as in
    `dbt build --empty`), the maxima above.
#}
{% macro scoring_shape(parameters_relation) %}
    {% set shape = {
        'segments': broker_segments.scoring_max_segments(),
        'dimensions': broker_segments.scoring_max_dimensions(),
        'inputs': broker_segments.indicator_columns(),
    } %}
    {% if not execute or flags.EMPTY %}{{ return(shape) }}{% endif %}
    {% set found = adapter.get_relation(
        database=parameters_relation.database,
        schema=parameters_relation.schema,
        identifier=parameters_relation.identifier,
    ) %}
    {% if found is none %}{{ return(shape) }}{% endif %}
    {% set counts = run_query(
        "select"
        ~ " (select max(n) from (select count(*) as n from " ~ parameters_relation
        ~ " where artifact = 'segment_naming' and column_key = 'sort_order'"
        ~ " group by model_id) as segment_counts) as n_segments,"
        ~ " (select max(n) from (select count(distinct column_key) as n from "
        ~ parameters_relation ~ " where artifact = 'cluster_centre'"
        ~ " group by model_id) as dimension_counts) as n_dimensions"
    ) %}
    {% set inputs = run_query(
        "select distinct row_key from " ~ parameters_relation
        ~ " where artifact = 'standardisation'"
    ).columns[0].values() | list %}
    {% if counts.rows[0][0] is none %}{{ return(shape) }}{% endif %}
    {{ return({
        'segments': counts.rows[0][0] | int,
        'dimensions': counts.rows[0][1] | int,
        'inputs': broker_segments.indicator_columns() | select('in', inputs) | list,
    }) }}
{% endmacro %}

{#
    The value of a per-slot column at the slot a row names: `case <slot> when 1 then
    <template with # as 1> ... end`, over the slots 1..slots (scoring_max_segments()), e.g.
    at_slot('assigned_slot', 'score_#') for the score of the customer's own segment.
#}
{% macro at_slot(slot, template, slots=none) %}
    {%- set slots = slots or broker_segments.scoring_max_segments() -%}
    case {{ slot }}
    {%- for j in range(1, slots + 1) %} when {{ j }} then {{ template | replace('#', j | string) }}
    {%- endfor %} end
{%- endmacro %}
