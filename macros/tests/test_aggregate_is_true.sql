{#
    Fails for every group of `group_by_columns` where the aggregate `expression` is not true (a
    null counts as a failure), e.g. shares that must sum to 1 per scheme. The row-level
    `expression_is_true` cannot see a group; this test evaluates the expression once per group.

    Arguments: _tests__macros.yml (beside this file).

    On `dbt build --empty` every model reads as zero rows, so a whole-model aggregate would
    judge an empty table dbt made on purpose: the test finds nothing to check there, as
    row-level tests do.
#}
{% test aggregate_is_true(model, expression, group_by_columns=[]) %}

    select
        {% for column in group_by_columns -%}
            {{ column }},
        {% endfor -%}
        count(*) as rows_in_group
    from {{ model }}
    {% if group_by_columns -%}
        group by {{ group_by_columns | join(', ') }}
    {%- endif %}
    having not coalesce(({{ expression }}), false)
    {%- if flags.EMPTY %} and false{% endif %}

{% endtest %}
