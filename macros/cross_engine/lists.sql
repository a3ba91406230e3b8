{# The distinct non-null values of expression in a group, as a list in ascending order. #}
{% macro sorted_distinct_list(expression) -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'broker_segments')(expression)) }}
{%- endmacro %}

{% macro default__sorted_distinct_list(expression) -%}
    list(distinct {{ expression }} order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_distinct_list(expression) -%}
    array_sort(collect_set({{ expression }}))
{%- endmacro %}

{#
    A map from the list keys to the first `length` of the expressions values (a list of SQL
    expressions): keys[i] -> values[i].
#}
{% macro map_from_lists(keys, values, length) -%}
    {{ return(adapter.dispatch('map_from_lists', 'broker_segments')(keys, values, length)) }}
{%- endmacro %}

{% macro default__map_from_lists(keys, values, length) -%}
    map({{ keys }}, list_slice([{{ values | join(', ') }}], 1, {{ length }}))
{%- endmacro %}

{% macro spark__map_from_lists(keys, values, length) -%}
    map_from_arrays({{ keys }}, slice(array({{ values | join(', ') }}), 1, {{ length }}))
{%- endmacro %}
